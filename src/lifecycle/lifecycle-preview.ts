/**
 * What GetLifecyclePolicyPreview answers of a stored preview, with no I/O: its status by age, and
 * which of its results a query selects.
 */

/** A preview still IN_PROGRESS after this long lost its instance: it is FAILED, and replaceable. */
export const PREVIEW_STALE_SECONDS = 600;
/** A COMPLETE preview this old no longer describes the repository: it is answered EXPIRED. */
export const PREVIEW_EXPIRY_SECONDS = 24 * 60 * 60;

export type PreviewStatus = 'IN_PROGRESS' | 'COMPLETE' | 'EXPIRED' | 'FAILED';

/** One image a preview found the policy expires. */
export interface PreviewResult {
  imageDigest: string;
  imageTags: string[];
  imagePushedAt: Date;
  appliedRulePriority: number;
}

export interface PreviewSelection {
  /** Only results of these images (by digest, or by one of their tags). */
  imageIds?: { imageDigest?: string; imageTag?: string }[];
  tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY';
  limit: number;
  /** How many of the selected results earlier pages held. */
  offset: number;
}

/** The status a stored preview is answered with, `ageSeconds` after it started. */
export function previewStatus(stored: string, ageSeconds: number): PreviewStatus {
  if (stored === 'IN_PROGRESS') return ageSeconds > PREVIEW_STALE_SECONDS ? 'FAILED' : stored;
  if (stored === 'COMPLETE') return ageSeconds > PREVIEW_EXPIRY_SECONDS ? 'EXPIRED' : stored;
  return stored === 'EXPIRED' ? 'EXPIRED' : 'FAILED';
}

function selected(result: PreviewResult, selection: PreviewSelection): boolean {
  const tagged = result.imageTags.length > 0;
  if (selection.tagStatus === 'TAGGED' && !tagged) return false;
  if (selection.tagStatus === 'UNTAGGED' && tagged) return false;
  if (!selection.imageIds) return true;
  // An id with neither member names no image.
  return selection.imageIds.some(
    (id) =>
      (id.imageDigest !== undefined || id.imageTag !== undefined) &&
      (id.imageDigest === undefined || id.imageDigest === result.imageDigest) &&
      (id.imageTag === undefined || result.imageTags.includes(id.imageTag)),
  );
}

/** One page of the results `selection` keeps, in their stored order, and where the next begins. */
export function pagePreviewResults(
  results: readonly PreviewResult[],
  selection: PreviewSelection,
): { page: PreviewResult[]; nextOffset?: number } {
  const matching = results.filter((r) => selected(r, selection));
  const end = selection.offset + selection.limit;
  const page = matching.slice(selection.offset, end);
  return end < matching.length ? { page, nextOffset: end } : { page };
}
