export * from '../domain/errors';
