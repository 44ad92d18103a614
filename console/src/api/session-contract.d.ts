// The sign-in contract the h-auth work implements (POST/GET/DELETE /v1/session, /v1/users), typed
// by hand only until that work is merged and `npm run console:api-types` generates these paths
// from the OpenAPI document. Delete this file then.
export interface SessionUser {
  id: string;
  login: string;
  name: string;
  roles: string[];
  managerId: string | null;
  companyId: string;
}
export interface SessionAnswer {
  user: SessionUser;
  csrfToken: string;
}
interface ErrorBody {
  error: { code: string; message: string; details: { path?: string; message?: string }[] };
}
interface Answer<T> {
  headers: Record<string, unknown>;
  content: { 'application/json': T };
}
interface NoParams {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}
export interface UserInput {
  login: string;
  name: string;
  password: string;
  roles: string[];
  managerId?: string | null;
  active?: boolean;
}
export interface UserDto {
  id: string;
  login: string;
  name: string;
  roles: string[];
  managerId: string | null;
  active: boolean;
}
export interface SessionPaths {
  '/v1/session': {
    parameters: NoParams;
    get: { parameters: NoParams; requestBody?: never; responses: { 200: Answer<SessionAnswer>; 401: Answer<ErrorBody> } };
    post: {
      parameters: NoParams;
      requestBody: { content: { 'application/json': { login: string; password: string } } };
      responses: { 200: Answer<SessionAnswer>; 401: Answer<ErrorBody>; 429: Answer<ErrorBody> };
    };
    delete: { parameters: NoParams; requestBody?: never; responses: { 204: { headers: Record<string, unknown>; content?: never } } };
  };
  '/v1/users': {
    parameters: NoParams;
    get: { parameters: NoParams; requestBody?: never; responses: { 200: Answer<{ items: UserDto[] }>; 403: Answer<ErrorBody> } };
    post: {
      parameters: NoParams;
      requestBody: { content: { 'application/json': UserInput } };
      responses: { 201: Answer<UserDto>; 400: Answer<ErrorBody>; 409: Answer<ErrorBody> };
    };
  };
  '/v1/users/{id}': {
    parameters: NoParams;
    patch: {
      parameters: { query?: never; header?: never; path: { id: string }; cookie?: never };
      requestBody: { content: { 'application/json': Partial<UserInput> } };
      responses: { 200: Answer<UserDto>; 400: Answer<ErrorBody>; 404: Answer<ErrorBody> };
    };
  };
}
