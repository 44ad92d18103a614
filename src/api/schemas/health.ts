import { Type } from '@sinclair/typebox';

const CheckSchema = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) });

export const LiveSchema = Type.Object({ status: Type.Literal('ok') });

export const ReadySchema = Type.Object({ ready: Type.Boolean(), checks: Type.Object({ database: CheckSchema, temporal: CheckSchema }) });
