export * from "./definition";
export * from "./function-table";
export * from "./local-runner";
export * from "./task-names";
