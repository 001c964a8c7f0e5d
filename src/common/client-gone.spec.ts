import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { clientWentAway } from './client-gone';

function response(): ServerResponse {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  res.assignSocket(new Socket());
  return res;
}

describe('clientWentAway', () => {
  it('is true for a premature close and for a destroyed response', () => {
    const err = Object.assign(new Error('Premature close'), {
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
    expect(clientWentAway(response(), err)).toBe(true);
    const res = response();
    res.destroy();
    expect(clientWentAway(res, new Error('write after end'))).toBe(true);
  });

  it('is false for another failure while the client is still there', () => {
    expect(clientWentAway(response(), new Error('disk on fire'))).toBe(false);
  });
});
