import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log';

/** A logger of the process's kind whose lines are kept. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger('debug', stream), text: () => lines.join('') };
}

describe('secrets of people’s sign-in never reach the log', () => {
  it('removes the cookie, the CSRF token, passwords and their hashes wherever a request or an object carries them', () => {
    const { log, text } = capture();
    const token = 'sessionTokenValue0123456789abcdefghijklmnop';
    log.info(
      {
        req: { method: 'POST', headers: { cookie: `notify_session=${token}`, 'x-csrf-token': 'csrfTokenValue42', authorization: 'Bearer nk_secret' } },
        res: { statusCode: 200, headers: { 'set-cookie': `notify_session=${token}; HttpOnly` } },
        body: { login: 'ivanova', password: 'Пароль-Ивановой-1' },
        user: { login: 'ivanova', passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$salt$hash' },
        session: { csrfToken: 'csrfTokenValue42', cookie: `notify_session=${token}` },
      },
      'request',
    );
    log.warn({ password: 'Пароль-верхнего-уровня', input: { user: { password: 'Вложенный-пароль' } } }, 'sign-in refused');
    const written = text();
    for (const secret of [token, 'csrfTokenValue42', 'nk_secret', 'Пароль-Ивановой-1', '$argon2id', 'Пароль-верхнего-уровня', 'Вложенный-пароль']) {
      expect(written).not.toContain(secret);
    }
    // What an operator needs stays.
    expect(written).toContain('"login":"ivanova"');
    expect(written).toContain('"statusCode":200');
  });
});
