// The deal update shapes live in src/domain/ so that the store can name them without importing deals/
// (the store sits below deals/: docs/architecture.md). Re-exported here for the code of deals/.
export * from "../domain/deal-update.js";
