import { clientWentAway } from '../common/client-gone';
import { Controller, Get, Inject, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { answerRange } from '../common/http-range';
import { ROOT_LOGGER } from '../logging/logger';
import { RequestLogLocals } from '../logging/request-log.middleware';
import { DownloadExceptionFilter } from './download-exception.filter';
import { DownloadsService } from './downloads.service';

/**
 * Serves layer bytes behind signed URLs, on any instance: `Content-Length`, the digest as a strong
 * `ETag`, and single `Range` requests (206 / 416). A refused URL is a 403 with a clear message.
 */
@Controller('layers')
@UseFilters(DownloadExceptionFilter)
export class DownloadsController {
  constructor(
    private readonly downloads: DownloadsService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  @Get('download')
  async download(
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const locals = res.locals as RequestLogLocals;
    locals.operation = 'LayerDownload';
    const content = await this.downloads.open(query);
    const etag = `"${content.digest}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Docker-Content-Digest', content.digest);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Cache-Control', 'private, max-age=3600, immutable');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const range = answerRange(req.headers.range, content.size);
    if (range.status === 416) {
      res.status(416).setHeader('Content-Range', range.contentRange).end();
      return;
    }
    const { start, end } = range;
    res.status(range.status);
    if (range.status === 206) res.setHeader('Content-Range', range.contentRange);
    res.setHeader('Content-Length', end - start + 1);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await content.send(start, end, res);
    } catch (err) {
      // Nothing sent yet (the store could not be reached): an error answers, without these.
      if (!res.headersSent && !clientWentAway(res, err)) {
        for (const h of [
          'ETag',
          'Cache-Control',
          'Content-Length',
          'Content-Range',
          'Content-Type',
          'Docker-Content-Digest',
        ]) {
          res.removeHeader(h);
        }
        throw err;
      }
      // Headers are gone already: the client sees a short body; the cause goes to the log.
      if (clientWentAway(res, err)) {
        this.logger.info({ requestId: locals.requestId, err }, 'the client went away mid-download');
      } else {
        this.logger.error({ requestId: locals.requestId, err }, 'layer download failed');
      }
      res.destroy();
    }
  }
}
