/**
 * The documents the project's own tools send (the import CLI handing a job
 * over to a gateway): always trusted, whatever PERSISTED_OPERATIONS lists,
 * and sent by their hash alone, so the tools work where only trusted
 * documents run (ALLOW_ARBITRARY_OPERATIONS=false).
 */
import { sha256Hex, type PersistedOperations } from './trusted-documents.js';

/** What the CLI shows of a job. */
const JOB_FIELDS = 'id kind state reason total done created updated failed rate etaSeconds resultsUrl';

export const TOOL_DOCUMENTS = {
  importJob: `query ImportJob($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`,
  importJobs: `query ImportJobs { importJobs { ${JOB_FIELDS} } }`,
  resumeImport: `mutation ResumeImport($id: ID!) { resumeImport(id: $id) { ${JOB_FIELDS} } }`,
  cancelImport: `mutation CancelImport($id: ID!) { cancelImport(id: $id) { ${JOB_FIELDS} } }`,
  importProgress: `subscription ImportProgress($id: ID!) { importProgress(id: $id) { ${JOB_FIELDS} } }`,
} as const;

export type ToolDocument = keyof typeof TOOL_DOCUMENTS;

/** The tools' documents by their hash, as the trusted documents hold them. */
export const toolDocuments = (): PersistedOperations => new Map(Object.values(TOOL_DOCUMENTS).map((document) => [sha256Hex(document), document]));

/** What a tool sends for its document `name`: the hash alone. */
export const toolOperation = (name: ToolDocument) => ({
  operationName: TOOL_DOCUMENTS[name].split(/[\s($]/)[1],
  extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(TOOL_DOCUMENTS[name]) } },
});
