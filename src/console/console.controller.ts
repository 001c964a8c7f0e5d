import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONSOLE_HEADERS, findConsoleDir, resolveConsolePath } from './console-assets';

/**
 * The web console's static files at /console/. It holds no data path of its own: the page calls
 * the ECR API (signed in the browser) and the admin API like any other client.
 */
@Controller('console')
export class ConsoleController {
  private readonly dir = findConsoleDir();

  @Get(['', '*path'])
  serve(@Req() req: Request, @Res() res: Response): void {
    res.set(CONSOLE_HEADERS);
    const dir = this.dir;
    if (dir === undefined) {
      res
        .status(404)
        .type('text/plain')
        .send('The console is not built here: `npm run build` builds it into dist/console.\n');
      return;
    }
    const answer = resolveConsolePath(
      req.path,
      (file) => fs.statSync(path.join(dir, file), { throwIfNoEntry: false })?.isFile() === true,
    );
    switch (answer.kind) {
      case 'redirect': {
        const q = req.originalUrl.indexOf('?');
        res.redirect(301, answer.location + (q < 0 ? '' : req.originalUrl.slice(q)));
        return;
      }
      case 'missing':
        res.status(404).type('text/plain').send('Not found\n');
        return;
      case 'file':
        res.sendFile(answer.file, {
          root: dir,
          dotfiles: 'deny',
          // Hashed names never change content; the page itself is always revalidated.
          headers: {
            'Cache-Control': answer.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          },
          lastModified: !answer.immutable,
          etag: false,
        });
        return;
    }
  }
}
