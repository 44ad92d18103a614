/** English for the console's Russian texts. A text missing here shows in Russian. */
export const EN: Record<string, string> = {};
