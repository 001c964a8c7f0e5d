import { describeCrashSuite } from './support/crash';

// The CI share of the kill -9 tests: 3 kill points in UploadLayerPart and 3 in
// CompleteLayerUpload per driver. `npm run test:chaos` runs 12 + 12 per driver
// (test/crash.chaos-spec.ts).
describeCrashSuite({ partPoints: 3, completePoints: 3 });
