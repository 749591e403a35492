import { defineStage } from "@fleet-upgrade/core";

/**
 * The dev stage: a sandbox account. Runs start as dry runs (plan only) unless a request says
 * otherwise, and the canary wave is the whole test fleet.
 */
export default defineStage("dev", {
  region: "us-east-1",
  requestDefaults: {
    reason: "dev: new Amazon Linux 2023 image",
    targets: { tags: { "fleet-upgrade:managed": "true" } },
    image: { kernel: "6.1", flavor: "standard" },
    hardening: { stig: "high", fips: true },
    rollout: {
      waves: [
        { name: "canary", ring: "canary" },
        { name: "rest", percent: 100 },
      ],
      checkpoints: [50],
      checkpointDelaySeconds: 300,
      bakeSeconds: 300,
    },
    dryRun: true,
  },
  validatedFipsKernels: ["6.1"],
  schedule: { expression: "rate(6 hours)", timezone: "UTC", startRuns: true },
  watch: { architectures: ["x86_64", "arm64"] },
  notifications: { topicName: "fleet-upgrade-dev-runs" },
  slack: {
    signingSecretParameter: "/fleet-upgrade/dev/slack-signing-secret",
    allowedUsersParameter: "/fleet-upgrade/dev/slack-allowed-users",
  },
  managedTagValue: "true",
  builder: { subnetId: null, instanceTypes: { x86_64: "t3.large", arm64: "t4g.large" } },
});
