import { describe } from "vitest";
import { authTableSuite } from "./support/auth-runner.ts";
import { sourceHost } from "./support/hosts.ts";

describe("functions from source, in-process", () => authTableSuite(sourceHost));
