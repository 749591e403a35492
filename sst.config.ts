/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  async app(input) {
    const { loadStage } = await import("./infra/stage");
    const { config } = await loadStage(input.stage);
    const prod = input.stage === "prod";
    return {
      name: "fleet-upgrade",
      home: "aws",
      removal: prod ? "retain" : "remove",
      protect: prod,
      providers: { aws: { region: config.region as aws.Region } },
    };
  },
  async run() {
    const { loadStage } = await import("./infra/stage");
    const { createApp } = await import("./infra/app");
    const loaded = await loadStage($app.stage);
    return createApp(loaded, {
      app: $app.name,
      rootDir: process.cwd(),
      protect: $app.stage === "prod",
    });
  },
});
