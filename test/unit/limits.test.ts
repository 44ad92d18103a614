import { describe, expect, it } from 'vitest';
import { smsLimitReason, tooManyRecipientsReason } from '../../src/domain/limits';

const limits = { smsPerRecipientPerHour: 2, smsPerCompanyPerDay: 100 };

describe('SMS limits', () => {
  it('lets an SMS go while the phone and the company are under their limits', () => {
    expect(smsLimitReason({ toRecipientLastHour: 1, byCompanyLastDay: 99 }, limits, 'client')).toBeUndefined();
  });

  it('refuses the SMS that would pass the per-phone hourly limit, saying so in Russian', () => {
    expect(smsLimitReason({ toRecipientLastHour: 2, byCompanyLastDay: 2 }, limits, 'client')).toBe(
      'превышен лимит SMS на получателя: не более 2 в час',
    );
  });

  it("does not count a manager's phone per hour, but holds managers to the company's daily limit", () => {
    expect(smsLimitReason({ toRecipientLastHour: 50, byCompanyLastDay: 50 }, limits, 'manager')).toBeUndefined();
    expect(smsLimitReason({ toRecipientLastHour: 0, byCompanyLastDay: 100 }, limits, 'manager')).toBe(
      'превышен лимит SMS компании: не более 100 в сутки',
    );
  });
});

describe('recipients per event', () => {
  it('allows exactly the limit and refuses one more, naming both numbers', () => {
    expect(tooManyRecipientsReason(3, 3)).toBeUndefined();
    expect(tooManyRecipientsReason(4, 3)).toBe('слишком много получателей: 4, допустимо не более 3; событие не отправлено');
  });
});
