import { describe, expect, it } from 'vitest';
import { scrubLogLine, scrubPersonalData } from '../../src/log';

const line = (level: number, fields: Record<string, unknown>) => `${JSON.stringify({ level, time: 1795987036830, pid: 1528, ...fields })}\n`;

describe('log scrubbing of personal data', () => {
  it('takes e-mail addresses, phones in any writing and long numbers such as chat ids out of text', () => {
    expect(scrubPersonalData('550 5.1.1 <ivan.petrov@mail.example.ru>: Recipient address rejected')).toBe(
      '550 5.1.1 <[email]>: Recipient address rejected',
    );
    expect(scrubPersonalData('SMS to +7 (916) 555-01-23 and +79165550123 failed')).toBe('SMS to [phone] and [phone] failed');
    expect(scrubPersonalData('phone=79165550123 chat -1001234567890 chat 7712345609')).toBe('phone=[number] chat [number] chat [number]');
  });

  it('keeps what an operator needs: dates, durations, ports, short ids and run ids', () => {
    const text = 'attempt 3 of event:demo:ord-42 on 127.0.0.1:7233 after 1500 ms at 2025-05-01T10:00:00Z run 01a2292b-53a2-7147-8f9c-7132e8172e8e';
    expect(scrubPersonalData(text)).toBe(text);
  });

  it('scrubs every string of an info line, nested errors included, and leaves numbers and debug lines alone', () => {
    const warn = line(40, { msg: 'Activity failed', error: { details: ['chat 7712345609 blocked the bot'] }, durationMs: 320 });
    expect(JSON.parse(scrubLogLine(warn))).toEqual({
      level: 40,
      time: 1795987036830,
      pid: 1528,
      msg: 'Activity failed',
      error: { details: ['chat [number] blocked the bot'] },
      durationMs: 320,
    });
    expect(scrubLogLine(warn).endsWith('\n')).toBe(true);
    const debug = line(20, { msg: 'sending to a@b.example' });
    expect(scrubLogLine(debug)).toBe(debug);
  });
});
