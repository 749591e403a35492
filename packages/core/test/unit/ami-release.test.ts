import { describe, expect, it } from "vitest";
import {
  amiChanges,
  type LedgerItem,
  type LedgerStore,
  lastRelease,
  recordRelease,
  releaseExecutionName,
  releaseReason,
  watchedParameters,
} from "../../src/index";

const X86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";
const ARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64";

describe("watchedParameters", () => {
  it("names one public parameter per architecture, sorted", () => {
    expect(
      watchedParameters({ kernel: "6.1", flavor: "standard", architectures: ["x86_64", "arm64"] }),
    ).toEqual([ARM, X86]);
  });
});

describe("amiChanges", () => {
  it("finds nothing when every value is the one seen last", () => {
    expect(amiChanges({ [X86]: "ami-1", [ARM]: "ami-2" }, { [ARM]: "ami-2", [X86]: "ami-1" })).toEqual([]);
  });

  it("names each parameter whose image changed, and first sightings", () => {
    expect(amiChanges({ [X86]: "ami-1" }, { [X86]: "ami-3", [ARM]: "ami-2" })).toEqual([
      { parameter: ARM, from: null, to: "ami-2" },
      { parameter: X86, from: "ami-1", to: "ami-3" },
    ]);
  });

  it("ignores a parameter missing now rather than calling it a change", () => {
    expect(amiChanges({ [X86]: "ami-1", [ARM]: "ami-2" }, { [X86]: "ami-1" })).toEqual([]);
  });
});

describe("releaseExecutionName", () => {
  it("is the same for the same values in any order, and a valid execution name", () => {
    const a = releaseExecutionName({ [X86]: "ami-1", [ARM]: "ami-2" });
    expect(releaseExecutionName({ [ARM]: "ami-2", [X86]: "ami-1" })).toBe(a);
    expect(a).toMatch(/^ami-[0-9a-f]{32}$/);
  });

  it("differs when any image differs", () => {
    expect(releaseExecutionName({ [X86]: "ami-1" })).not.toBe(releaseExecutionName({ [X86]: "ami-9" }));
  });
});

describe("releaseReason", () => {
  it("names the new images", () => {
    expect(releaseReason([{ parameter: X86, from: "ami-1", to: "ami-3" }])).toBe(
      "new Amazon Linux 2023 image: al2023-ami-kernel-6.1-x86_64 -> ami-3",
    );
  });
});

describe("the release record in the ledger", () => {
  it("is read back as written, per watch", async () => {
    const items = new Map<string, LedgerItem>();
    const store = {
      async get(pk: string, sk: string) {
        return items.get(`${pk}|${sk}`);
      },
      async put(item: LedgerItem) {
        items.set(`${item.pk}|${item.sk}`, item);
        return true;
      },
    } as unknown as LedgerStore;
    const watch = { kernel: "6.1" as const, flavor: "standard" as const, architectures: ["x86_64" as const] };
    expect(await lastRelease(store, watch)).toBeUndefined();
    const record = { values: { [X86]: "ami-1" }, executionName: "ami-x", seenAt: "2026-11-21T09:00:00.000Z" };
    await recordRelease(store, watch, record);
    expect(await lastRelease(store, watch)).toEqual(record);
    expect(await lastRelease(store, { ...watch, kernel: "6.18" })).toBeUndefined();
  });
});
