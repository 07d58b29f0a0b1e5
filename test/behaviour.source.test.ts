import { describe } from "vitest";
import { behaviourSuite } from "./behaviour/suite.ts";
import { sourceHost } from "./support/hosts.ts";

describe("functions from source, in-process", () => behaviourSuite(sourceHost));
