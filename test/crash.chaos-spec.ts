import { describeCrashSuite } from './support/crash';

// `npm run test:chaos`: 12 kill points in UploadLayerPart and 12 in CompleteLayerUpload per
// driver, spread over each request's duration (test/support/crash.ts says what is checked).
describeCrashSuite({ partPoints: 12, completePoints: 12, seed: 0xc4a05 });
