import { MigrationInterface, QueryRunner } from 'typeorm';

const IMAGE_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];
const INDEX_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];
const BATCH = 500;
/** Deeper than any index of indexes pushed in practice; each pass settles one more level. */
const MAX_NESTING = 32;

interface Descriptor {
  size?: unknown;
}

/** Config plus layers, as the manifest gives them (it was validated when it was pushed). */
function imageSize(manifest: Buffer): number {
  const doc = JSON.parse(manifest.toString('utf8')) as {
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const sizes = [doc.config, ...(doc.layers ?? [])].map((d) =>
    typeof d?.size === 'number' ? d.size : 0,
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Recomputes `images.size` as ECR's `imageSizeInBytes` counts it: an image manifest's config and
 * layers (the layers alone were stored before), and an index's largest manifest (the sum of its
 * children's manifest JSON sizes was stored before). Self-contained on purpose: it must compute
 * the same thing whatever the application code becomes.
 */
export class ImageSizeWithConfig1764900000000 implements MigrationInterface {
  name = 'ImageSizeWithConfig1764900000000';

  public async up(q: QueryRunner): Promise<void> {
    let after = '0';
    for (;;) {
      const rows = (await q.query(
        `SELECT id, manifest FROM images WHERE id > $1 AND media_type = ANY($2)
          ORDER BY id LIMIT ${BATCH}`,
        [after, IMAGE_TYPES],
      )) as { id: string; manifest: Buffer }[];
      if (rows.length === 0) break;
      await q.query(
        `UPDATE images i SET size = u.size
           FROM unnest($1::bigint[], $2::bigint[]) AS u(id, size) WHERE i.id = u.id`,
        [rows.map((r) => r.id), rows.map((r) => String(imageSize(r.manifest)))],
      );
      after = rows[rows.length - 1].id;
    }
    // Children are images of the same repository; an index of indexes settles one level a pass.
    for (let pass = 0; pass < MAX_NESTING; pass++) {
      const changed = (await q.query(
        `WITH sized AS (
           SELECT i.id, COALESCE(max(c.size), 0) AS size
             FROM images i
             LEFT JOIN image_children ch ON ch.image_id = i.id
             LEFT JOIN images c ON c.repository_id = i.repository_id AND c.digest = ch.child_digest
            WHERE i.media_type = ANY($1)
            GROUP BY i.id)
         UPDATE images i SET size = sized.size FROM sized
          WHERE i.id = sized.id AND i.size IS DISTINCT FROM sized.size
         RETURNING i.id`,
        [INDEX_TYPES],
      )) as [unknown[], number];
      if (changed[1] === 0) break;
    }
  }

  public async down(): Promise<void> {
    // The former sizes (layers only; the sum of children's manifest sizes) are not worth
    // restoring: reverting leaves the corrected sizes in place.
  }
}
