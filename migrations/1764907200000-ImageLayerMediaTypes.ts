import { MigrationInterface, QueryRunner } from 'typeorm';

const IMAGE_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];
const BATCH = 500;
const MAX_MEDIA_TYPE = 255;

interface Descriptor {
  digest?: unknown;
  mediaType?: unknown;
}

/** Each referenced digest once, with the media type its first descriptor gives it. */
function mediaTypes(manifest: Buffer): Map<string, string> {
  const doc = JSON.parse(manifest.toString('utf8')) as {
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const types = new Map<string, string>();
  for (const d of [doc.config, ...(doc.layers ?? [])]) {
    if (typeof d?.digest !== 'string') continue;
    const digest = d.digest.toLowerCase();
    if (types.has(digest)) continue;
    const type = d.mediaType;
    if (typeof type === 'string' && type.length <= MAX_MEDIA_TYPE && !type.includes('\u0000')) {
      types.set(digest, type);
    }
  }
  return types;
}

/**
 * The media type each image manifest gives a blob it references, which
 * BatchCheckLayerAvailability answers; filled in from the stored manifests for images pushed
 * before. Self-contained on purpose: it must do the same whatever the application code becomes.
 */
export class ImageLayerMediaTypes1764907200000 implements MigrationInterface {
  name = 'ImageLayerMediaTypes1764907200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE image_layers ADD COLUMN media_type varchar(255)');
    let after = '0';
    for (;;) {
      const rows = (await q.query(
        `SELECT id, manifest FROM images WHERE id > $1 AND media_type = ANY($2)
          ORDER BY id LIMIT ${BATCH}`,
        [after, IMAGE_TYPES],
      )) as { id: string; manifest: Buffer }[];
      if (rows.length === 0) break;
      const ids: string[] = [];
      const digests: string[] = [];
      const types: string[] = [];
      for (const row of rows) {
        for (const [digest, type] of mediaTypes(row.manifest)) {
          ids.push(row.id);
          digests.push(digest);
          types.push(type);
        }
      }
      await q.query(
        `UPDATE image_layers il SET media_type = u.media_type
           FROM unnest($1::bigint[], $2::varchar[], $3::varchar[]) AS u(image_id, digest, media_type)
          WHERE il.image_id = u.image_id AND il.digest = u.digest`,
        [ids, digests, types],
      );
      after = rows[rows.length - 1].id;
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE image_layers DROP COLUMN media_type');
  }
}
