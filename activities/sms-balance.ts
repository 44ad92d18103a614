import { ApplicationFailure } from '@temporalio/common';
import { stableMessageId } from '../src/channels/email';
import { ChannelError } from '../src/channels/errors';
import type { SendResult, SmsBalance } from '../src/channels/types';
import { createCompanyRepository } from '../src/db/repositories/companies';
import { createJournalRepository } from '../src/db/repositories/journal';
import { createSmsBalanceAlertRepository } from '../src/db/repositories/sms-balance-alerts';
import { createProviderRepository } from '../src/db/repositories/providers';
import { balanceBelowSentence, formatBalance, sameUnit, unitInWords, unitLabel, unitOfAnswer, type BalanceUnit } from '../src/domain/balance';
import { balanceAlertKey } from '../src/domain/keys';
import type { SmsBalanceResult } from '../workflows/contract';
import { currentExecution } from './context';
import type { ActivityDeps } from './deps';
import { notFound, toActivityFailure } from './failures';
import type { CheckBalanceInput, CheckBalanceResult, SendBalanceAlertInput, SendBalanceAlertResult } from './types';

/** The SMS balance (R4): asked now, and the scheduled check with its once-per-fall alert (R17). */
export function createSmsBalanceActivities({ db, channels }: ActivityDeps) {
  const companies = createCompanyRepository(db);
  const alerts = createSmsBalanceAlertRepository(db);
  const journal = createJournalRepository(db);
  const providerDirectory = createProviderRepository(db);

  /** The provider in words for people: «SMS.ru», or «SMS-шлюз default-smpp». */
  const serviceName = async (companyId: string, provider: string, unit: BalanceUnit): Promise<string> => {
    const kind = provider === 'default-sms.ru' ? 'sms_ru' : (await providerDirectory.list(companyId)).find((p) => p.id === provider)?.kind;
    if (kind === 'sms_ru') return unit.unit === 'money' ? 'SMS.ru' : `SMS.ru (${provider})`;
    return unit.unit === 'money' ? `SMS-провайдера ${provider}` : `SMS-шлюза ${provider}`;
  };

  return {
    /** R4: the balance of the company's SMS provider, asked now. */
    async querySmsBalance(input: { companyId: string }): Promise<Omit<SmsBalanceResult, 'ok'>> {
      const { sms } = await channels.forCompany(input.companyId);
      if (!sms) throw ApplicationFailure.nonRetryable('no SMS provider is configured', 'NotConfigured');
      const balance = await sms.balance();
      const unit = unitOfAnswer(balance.unit === 'money' ? balance.currency : undefined);
      return {
        provider: balance.provider,
        amount: balance.amount,
        unit: unit.unit,
        ...(unit.unit === 'money' ? { currency: unit.currency } : {}),
        unitLabel: unitLabel(unit),
        formatted: formatBalance(balance.amount, unit),
        raw: balance.raw,
      };
    },

    /**
     * Reads the balance (R4) and moves the company's alert state: a fall below
     * the threshold starts a new episode, a check at or above it ends the episode.
     */
    async checkBalance(input: CheckBalanceInput): Promise<CheckBalanceResult> {
      const company = await companies.find(input.companyId);
      if (!company) throw notFound(`company ${input.companyId}`);
      const threshold = company.balanceThreshold;
      if (threshold === null) return { status: 'no_threshold' };
      const { sms } = await channels.forCompany(input.companyId);
      if (!sms) return { status: 'no_provider', threshold, reason: 'SMS-провайдер не настроен: баланс проверить нельзя' };

      let balance: SmsBalance;
      try {
        balance = await sms.balance();
      } catch (err) {
        if (err instanceof ChannelError) throw toActivityFailure(err);
        return { status: 'unsupported', threshold, reason: `Провайдер не сообщает баланс: ${err instanceof Error ? err.message : String(err)}` };
      }
      // The threshold is in the unit the provider's settings declare; a balance in another unit is never compared with it.
      const reported = unitOfAnswer(balance.unit === 'money' ? balance.currency : undefined);
      const declared = sms.balanceUnit ?? reported;
      if (!sameUnit(reported, declared)) {
        return {
          status: 'unsupported',
          threshold,
          reason:
            `Провайдер ${balance.provider} сообщил баланс ${unitInWords(reported)}, а порог задан ${unitInWords(declared)}: ` +
            'сравнивать нельзя. Исправьте единицу баланса провайдера в настройках (balanceCurrency) и задайте порог заново.',
        };
      }

      const below = balance.amount < threshold;
      const state = await alerts.recordCheck(input.companyId, { below, amount: balance.amount, threshold });
      return {
        status: 'checked',
        provider: balance.provider,
        amount: balance.amount,
        ...(reported.unit === 'money' ? { currency: reported.currency } : {}),
        threshold,
        below,
        episode: state.episode,
        alertDue: below && state.alertedEpisode !== state.episode,
      };
    },

    /**
     * E-mails the administrator that the SMS package is running out, once per
     * episode. The state row stays locked while the e-mail goes out, so two
     * checks at once cannot both send; a failed send leaves the episode
     * unalerted for the next check.
     */
    async sendBalanceAlert(input: SendBalanceAlertInput): Promise<SendBalanceAlertResult> {
      // Without a currency the provider counted messages (see checkBalance).
      const unit = unitOfAnswer(input.currency);
      const sentence = balanceBelowSentence(await serviceName(input.companyId, input.provider, unit), input.amount, input.threshold, unit);
      return alerts.withLockedState(input.companyId, async (state, markAlerted) => {
        if (!state || !state.below || state.episode !== input.episode) return { outcome: 'stale' };
        if (state.alertedEpisode === input.episode) return { outcome: 'already_sent' };
        const company = await companies.find(input.companyId);
        if (!company?.adminEmail) {
          // Never silent: the journal says the alert had nobody to go to (once per fall), and GET /v1/settings shows why.
          const { workflowId, runId } = currentExecution();
          await journal.record({
            companyId: input.companyId,
            stepKey: `${balanceAlertKey(input.companyId, input.episode)}/no-admin-email`,
            eventId: `sms-balance-${input.episode}`,
            eventType: 'sms.balance',
            counterpartyId: '',
            workflowId,
            runId,
            status: 'skipped',
            provider: input.provider,
            reason: `${sentence}, но предупредить некого: в настройках не указан e-mail администратора`,
            details: { code: 'no_admin_email', warning: 'no_admin_email', amount: input.amount, threshold: input.threshold, unit: unit.unit, currency: input.currency ?? null },
          });
          return { outcome: 'no_admin_email' };
        }

        const { email } = await channels.forCompany(input.companyId);
        let result: SendResult;
        try {
          result = await email.send({
            to: company.adminEmail,
            from: { name: company.emailFromName, address: company.emailFrom },
            subject:
              unit.unit === 'money'
                ? `Заканчиваются деньги на счёте для SMS: ${formatBalance(input.amount, unit)}, порог ${formatBalance(input.threshold, unit)}`
                : `Заканчивается пакет SMS: осталось ${formatBalance(input.amount, unit)}, порог ${formatBalance(input.threshold, unit)}`,
            text: [
              // The company's name often carries its own quotes (ООО «Ромашка»): none around it.
              `${sentence}.`,
              `Компания: ${company.name}.`,
              unit.unit === 'money' ? 'Пополните счёт, чтобы SMS-уведомления продолжали уходить.' : 'Пополните пакет, чтобы SMS-уведомления продолжали уходить.',
              '',
              'Это письмо приходит один раз. Следующее придёт, только если баланс поднимется до порога и снова опустится ниже.',
            ].join('\n'),
            messageId: stableMessageId(balanceAlertKey(input.companyId, input.episode), company.emailFrom),
          });
        } catch (err) {
          throw toActivityFailure(err);
        }
        await markAlerted(input.episode);
        return { outcome: 'sent', to: company.adminEmail, providerMessageId: result.providerMessageId };
      });
    },
  };
}
