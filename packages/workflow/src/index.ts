export * from "./definition";
export * from "./local-runner";
export * from "./task-names";
