import { simpleParser, type ParsedMail } from 'mailparser';
import type { ReceivedMail } from '../../src/dev/smtp-sink';

export async function parseMail(mail: ReceivedMail): Promise<ParsedMail> {
  return simpleParser(mail.raw);
}

/** The single address of a parsed To/From header. */
export function addressOf(header: ParsedMail['from'] | ParsedMail['to']): { name: string; address: string } {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.value[0];
  return { name: first?.name ?? '', address: first?.address ?? '' };
}
