import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainReason, outcomeReason, peopleReason, REASON_LABELS, reasonText, type ReasonCode } from '../../src/domain/reasons';
import { MODE_OFF_REASON } from '../../src/domain/event-steps';
import { NO_CHANNEL_REASON, OPTED_OUT_REASON, TRACKED_REASON } from '../../src/domain/routing';

const codes = Object.keys(REASON_LABELS) as ReasonCode[];

describe('the catalogue of journal reasons (issue 10: reasons people read are Russian)', () => {
  it('has Russian words for every code, with no English word in them', () => {
    for (const code of codes) {
      expect(REASON_LABELS[code], code).toMatch(/[а-яё]/);
      // Only the names of things (SMS, E-mail, Telegram) may be Latin.
      expect(REASON_LABELS[code].replace(/\b(SMS|E-mail|Telegram)\b/g, ''), code).not.toMatch(/[a-z]{2,}/i);
    }
  });

  it('reads every sentence it writes back as its code, alone or with details after it', () => {
    for (const code of codes) {
      expect(explainReason(reasonText(code))?.code, code).toBe(code);
      expect(explainReason(reasonText(code, 'connect ECONNREFUSED'))?.code, code).toBe(code);
    }
    expect(reasonText('opted_out')).toBe('Клиент отключил это уведомление');
    expect(explainReason(TRACKED_REASON)?.code).toBe('tracked_by_manager');
  });

  it('gives the reasons the workflows write in Russian', () => {
    expect(MODE_OFF_REASON).toBe('Отправка выключена в настройках компании');
    expect(OPTED_OUT_REASON).toBe('Клиент отключил это уведомление');
    expect(NO_CHANNEL_REASON).toBe('Ни один канал не смог доставить');
    expect(outcomeReason('partial')).toBe('Часть сообщений не отправлена');
  });

  it("puts older English reasons in Russian, and keeps a provider's own words after the Russian label", () => {
    expect(peopleReason('client opted out')).toBe('Клиент отключил это уведомление');
    expect(peopleReason('test mode: rendered, not sent')).toBe('Тестовый режим: подготовлено, не отправлено');
    expect(peopleReason('sending is off for the company')).toBe('Отправка выключена в настройках компании');
    expect(peopleReason('retry later: connect ECONNREFUSED')).toBe('Сервер недоступен, отправка повторится позже: connect ECONNREFUSED');
    expect(peopleReason('550 5.1.1 user unknown')).toBe('Отклонено сервером: 550 5.1.1 user unknown');
    expect(peopleReason('Forbidden: bot was blocked by the user', 'BlockedError')).toBe('Бот заблокирован: Forbidden: bot was blocked by the user');
    expect(peopleReason('telegram → sms: not subscribed to the Telegram bot')).toBe('Telegram → SMS: Не подписан на бота');
    // Words already Russian are the writer's own.
    expect(peopleReason('превышен лимит SMS компании: не более 10 в сутки')).toBe('превышен лимит SMS компании: не более 10 в сутки');
  });

  it('is the only source of reasons: no English reason literal is left in activities, workflows or the domain', () => {
    const root = path.resolve(__dirname, '../..');
    const files = ['activities', 'workflows', 'src/domain'].flatMap((dir) =>
      readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, dir, f)),
    );
    const offenders: string[] = [];
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      // `reason: 'words'` or `reason = 'words'` with a Latin word and no Cyrillic: a reason written for people in English.
      for (const match of source.matchAll(/\breason\s*[:=]\s*(['`])([^'`\n]*)\1/g)) {
        const text = match[2]!;
        if (/[a-z]{3,}/i.test(text.replace(/\$\{[^}]*\}/g, '')) && !/[а-яё]/i.test(text)) offenders.push(`${path.relative(root, file)}: ${text}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
