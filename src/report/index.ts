/** Renderers of policy results: plain-text tables, JSON documents, SARIF logs. */
export { formatColumns, renderStatusTable, renderVerifyTable } from './table';
export { renderJson } from './json';
export {
  toSarif,
  writeSarif,
  relativeUri,
  SARIF_SCHEMA_URI,
  PROJECT_ROOT,
  type SarifLog,
  type SarifTool,
} from './sarif';
export { writeFileAtomic } from './write';
