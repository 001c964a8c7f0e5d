import {
  pagePreviewResults,
  PREVIEW_EXPIRY_SECONDS,
  PREVIEW_STALE_SECONDS,
  PreviewResult,
  previewStatus,
} from './lifecycle-preview';

const result = (digest: string, tags: string[]): PreviewResult => ({
  imageDigest: digest,
  imageTags: tags,
  imagePushedAt: new Date('2026-01-01T00:00:00Z'),
  appliedRulePriority: 1,
});
const digests = (page: PreviewResult[]): string[] => page.map((r) => r.imageDigest);

describe('previewStatus', () => {
  it('answers a young preview as stored', () => {
    expect(previewStatus('IN_PROGRESS', 5)).toBe('IN_PROGRESS');
    expect(previewStatus('COMPLETE', 5)).toBe('COMPLETE');
    expect(previewStatus('FAILED', 5)).toBe('FAILED');
  });

  it('answers one left in progress past the stale age FAILED, a day-old COMPLETE one EXPIRED', () => {
    expect(previewStatus('IN_PROGRESS', PREVIEW_STALE_SECONDS)).toBe('IN_PROGRESS');
    expect(previewStatus('IN_PROGRESS', PREVIEW_STALE_SECONDS + 1)).toBe('FAILED');
    expect(previewStatus('COMPLETE', PREVIEW_EXPIRY_SECONDS)).toBe('COMPLETE');
    expect(previewStatus('COMPLETE', PREVIEW_EXPIRY_SECONDS + 1)).toBe('EXPIRED');
    // Age does not turn a failure into anything else.
    expect(previewStatus('FAILED', PREVIEW_EXPIRY_SECONDS + 1)).toBe('FAILED');
  });
});

describe('pagePreviewResults', () => {
  const all = [
    result('a', ['v1']),
    result('b', []),
    result('c', ['v2', 'latest']),
    result('d', []),
    result('e', ['v3']),
  ];

  it('pages in stored order, with the next offset only while results remain', () => {
    const first = pagePreviewResults(all, { limit: 2, offset: 0 });
    expect(digests(first.page)).toEqual(['a', 'b']);
    expect(first.nextOffset).toBe(2);
    const last = pagePreviewResults(all, { limit: 3, offset: 2 });
    expect(digests(last.page)).toEqual(['c', 'd', 'e']);
    expect(last.nextOffset).toBeUndefined();
    expect(pagePreviewResults(all, { limit: 5, offset: 0 }).nextOffset).toBeUndefined();
  });

  it('filters by tag status before paging', () => {
    const tagged = pagePreviewResults(all, { tagStatus: 'TAGGED', limit: 2, offset: 0 });
    expect(digests(tagged.page)).toEqual(['a', 'c']);
    expect(tagged.nextOffset).toBe(2);
    expect(
      digests(pagePreviewResults(all, { tagStatus: 'UNTAGGED', limit: 10, offset: 0 }).page),
    ).toEqual(['b', 'd']);
    expect(pagePreviewResults(all, { tagStatus: 'ANY', limit: 10, offset: 0 }).page).toHaveLength(
      5,
    );
  });

  it('selects by digest, by any tag, or by both at once; an empty id selects nothing', () => {
    const page = (imageIds: { imageDigest?: string; imageTag?: string }[]): string[] =>
      digests(pagePreviewResults(all, { imageIds, limit: 100, offset: 0 }).page);
    expect(page([{ imageDigest: 'b' }, { imageTag: 'latest' }])).toEqual(['b', 'c']);
    expect(page([{ imageDigest: 'c', imageTag: 'v2' }])).toEqual(['c']);
    expect(page([{ imageDigest: 'c', imageTag: 'v1' }])).toEqual([]);
    expect(page([{}])).toEqual([]);
  });
});
