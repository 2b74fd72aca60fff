/** `DATA_DIR`: where import jobs are kept (SQLite). @default ./data */
export const dataDirFromEnv = (env: NodeJS.ProcessEnv = process.env): string => env.DATA_DIR || './data';
