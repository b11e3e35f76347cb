import type { FhirResource } from "../../src/fhir/types";

/**
 * Reproducible synthetic clinical data: Patients, and Encounters, Observations, Conditions and
 * MedicationRequests that reference them; spread over several years with most of it recent; some
 * resources updated later (history) and some soft-deleted. Operations come out in time order, so a
 * server whose clock is set to each operation's instant stores them with those lastUpdated values.
 */

export type SyntheticOperation =
  | { kind: "create"; at: number; resource: FhirResource }
  | { kind: "update"; at: number; resource: FhirResource }
  | { kind: "delete"; at: number; resourceType: string; id: string };

export interface SyntheticOptions {
  resources: number;
  years: number;
  seed: number;
  /** Latest instant an operation may have (ms). */
  endMs: number;
  /** Share of resources updated at least once (default 0.15). */
  updateShare?: number;
  /** Share of resources soft-deleted (default 0.03). */
  deleteShare?: number;
  /** Creation age = span × u^ageExponent (default 3: about 60 % of ten years in the last two). */
  ageExponent?: number;
}

const YEAR_MS = 365.25 * 86_400_000;

/** mulberry32: small, fast, good enough for test data; the same seed gives the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPE_SHARES: readonly [string, number][] = [
  ["Patient", 0.15],
  ["Encounter", 0.2],
  ["Observation", 0.45],
  ["Condition", 0.1],
  ["MedicationRequest", 0.1],
];

const FAMILY = [
  "Smith",
  "Garcia",
  "Nguyen",
  "Okafor",
  "Müller",
  "Kowalski",
  "Haddad",
  "Tanaka",
  "Silva",
  "Dubois",
];
const GIVEN = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jade"];
const LOINC = [
  ["8867-4", "Heart rate", "/min"],
  ["8310-5", "Body temperature", "Cel"],
  ["29463-7", "Body weight", "kg"],
  ["2339-0", "Glucose", "mg/dL"],
] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function typeFor(random: () => number): string {
  let u = random();
  for (const [type, share] of TYPE_SHARES) {
    if (u < share) return type;
    u -= share;
  }
  return "Observation";
}

/** A resource body of `type` referencing `patientId` where it has a subject. */
export function syntheticResource(
  type: string,
  id: string,
  patientId: string,
  random: () => number,
  at: number,
): FhirResource {
  const date = new Date(at).toISOString();
  const subject = { reference: `Patient/${patientId}` };
  switch (type) {
    case "Patient":
      return {
        resourceType: "Patient",
        id,
        active: true,
        name: [{ family: pick(random, FAMILY), given: [pick(random, GIVEN)] }],
        gender: pick(random, ["female", "male", "other", "unknown"]),
        birthDate: `${1930 + Math.floor(random() * 90)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      };
    case "Encounter":
      return {
        resourceType: "Encounter",
        id,
        status: "finished",
        class: {
          system: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
          code: pick(random, ["AMB", "IMP", "EMER"]),
        },
        subject,
        period: { start: date, end: date },
      };
    case "Observation": {
      const [code, display, unit] = pick(random, LOINC);
      return {
        resourceType: "Observation",
        id,
        status: "final",
        code: { coding: [{ system: "http://loinc.org", code, display }] },
        subject,
        effectiveDateTime: date,
        valueQuantity: {
          value: Math.round(random() * 20000) / 100,
          unit,
          system: "http://unitsofmeasure.org",
          code: unit,
        },
      };
    }
    case "Condition":
      return {
        resourceType: "Condition",
        id,
        clinicalStatus: {
          coding: [
            { system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" },
          ],
        },
        code: { text: pick(random, ["Hypertension", "Asthma", "Type 2 diabetes", "Migraine"]) },
        subject,
        recordedDate: date,
      };
    default:
      return {
        resourceType: "MedicationRequest",
        id,
        status: "active",
        intent: "order",
        medicationCodeableConcept: {
          text: pick(random, ["Metformin 500 mg", "Lisinopril 10 mg", "Salbutamol inhaler"]),
        },
        subject,
        authoredOn: date,
      };
  }
}

/** The operations, sorted by time (ties keep creation before update before delete of one resource). */
export function generateOperations(options: SyntheticOptions): SyntheticOperation[] {
  const random = seededRandom(options.seed);
  const spanMs = options.years * YEAR_MS;
  const startMs = options.endMs - spanMs;
  // Skewed toward the end: age = span × u³ puts about 60 % of 10 years' data in the last two.
  const createTimes = Array.from({ length: options.resources }, () =>
    Math.floor(options.endMs - spanMs * random() ** (options.ageExponent ?? 3) - 1),
  )
    .map((t) => Math.max(startMs, t))
    .sort((a, b) => a - b);
  const ops: SyntheticOperation[] = [];
  const patients: string[] = [];
  createTimes.forEach((at, n) => {
    const type = n === 0 ? "Patient" : typeFor(random);
    const id = `${type.toLowerCase().slice(0, 3)}-${options.seed}-${n}`;
    if (type === "Patient") patients.push(id);
    const patientId = type === "Patient" ? id : pick(random, patients);
    const resource = syntheticResource(type, id, patientId, random, at);
    ops.push({ kind: "create", at, resource });
    let last = at;
    if (random() < (options.updateShare ?? 0.15)) {
      const updates = 1 + Math.floor(random() * 3);
      for (let u = 0; u < updates; u++) {
        last = last + 1 + Math.floor(random() * (options.endMs - last - 1) * 0.5);
        ops.push({
          kind: "update",
          at: last,
          resource: {
            ...resource,
            meta: undefined,
            ...(type === "Patient" ? { active: random() < 0.8 } : { status: resource.status }),
            ...(typeof resource.valueQuantity === "object"
              ? {
                  valueQuantity: {
                    ...(resource.valueQuantity as object),
                    value: Math.round(random() * 20000) / 100,
                  },
                }
              : {}),
          },
        });
      }
    }
    if (type !== "Patient" && random() < (options.deleteShare ?? 0.03)) {
      ops.push({
        kind: "delete",
        at: last + 1 + Math.floor(random() * (options.endMs - last - 1) * 0.5),
        resourceType: type,
        id,
      });
    }
  });
  const order = { create: 0, update: 1, delete: 2 } as const;
  return ops.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
}

/** A custom SearchParameter, as users add them (it must be migrated before data that uses it). */
export function customSearchParameter(): FhirResource {
  return {
    resourceType: "SearchParameter",
    id: "patient-birth-decade",
    url: "http://example.org/fhir/SearchParameter/patient-birth-decade",
    name: "birth-decade",
    status: "active",
    description: "Decade of birth (demo custom search parameter)",
    code: "birth-decade",
    base: ["Patient"],
    type: "string",
    expression: "Patient.birthDate",
  };
}
