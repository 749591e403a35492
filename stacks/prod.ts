import { defineStage } from "@fleet-upgrade/core";

/**
 * The prod stage: a new AL2023 image found on a weekday morning starts a real, hardened, canary
 * first rollout that waits for an operator's approval between waves.
 */
export default defineStage("prod", {
  region: "us-east-1",
  requestDefaults: {
    reason: "new Amazon Linux 2023 image",
    targets: { tags: { "fleet-upgrade:managed": "true" } },
    image: { kernel: "6.1", flavor: "standard" },
    hardening: { stig: "high", fips: true, allowUnvalidatedKernel: false },
    rollout: {
      waves: [
        { name: "canary", ring: "canary" },
        { name: "early", percent: 25 },
        { name: "rest", percent: 100 },
      ],
      maxParallelGroups: 10,
      checkpoints: [20, 50],
      checkpointDelaySeconds: 600,
      minHealthyPercentage: 90,
      maxHealthyPercentage: 110,
      bakeSeconds: 1800,
      approval: "between-waves",
    },
    rollback: { scope: "wave" },
    dryRun: false,
  },
  validatedFipsKernels: ["6.1"],
  schedule: { expression: "cron(0 7 ? * MON-THU *)", timezone: "Europe/Berlin", startRuns: true },
  watch: { architectures: ["x86_64", "arm64"] },
  notifications: { topicName: "fleet-upgrade-prod-runs" },
  slack: {
    signingSecretParameter: "/fleet-upgrade/prod/slack-signing-secret",
    allowedUsersParameter: "/fleet-upgrade/prod/slack-allowed-users",
  },
  managedTagValue: "true",
  builder: { subnetId: null, instanceTypes: { x86_64: "t3.large", arm64: "t4g.large" } },
});
