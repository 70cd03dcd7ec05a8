import { marker, renderTemplate, xmlEscape, type Cluster } from "@oar-ha/core";
import type { CibModel, Constraint, Op, Primitive } from "./cib-model.js";
import crmTpl from "./templates/cib.crm.hbs";
import xmlTpl from "./templates/cib.xml.hbs";
import primitiveTpl from "./templates/primitive.xml.hbs";

const q = (v: string): string => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const pairs = (ps: readonly (readonly [string, string])[]): string => ps.map(([k, v]) => `${k}=${q(v)}`).join(" ");
const crmOp = (o: Op): string =>
  `op ${o.name} interval=${o.interval} timeout=${o.timeout}${o.role ? ` role=${o.role}` : ""}`;

function crmPrimitive(p: Primitive): string {
  const agent = p.klass === "stonith" ? `stonith:${p.type}` : `${p.klass}:${p.provider ?? ""}:${p.type}`;
  const parts = [`primitive ${p.id} ${agent}`];
  if (p.params.length) parts.push(`params ${pairs(p.params)}`);
  if (p.meta.length) parts.push(`meta ${pairs(p.meta)}`);
  parts.push(...p.ops.map(crmOp));
  return parts.join(" \\\n    ");
}

function crmConstraint(c: Constraint): string {
  switch (c.kind) {
    case "location":
      return `location ${c.id} ${c.rsc}${c.discovery ? ` resource-discovery=${c.discovery}` : ""} ${c.score === "-INFINITY" ? "-inf" : c.score}: ${c.node}`;
    case "colocation":
      return `colocation ${c.id} ${c.score === "INFINITY" ? "inf" : c.score}: ${c.rsc} ${c.withRsc}${c.withRole ? `:${c.withRole}` : ""}`;
    case "order":
      return `order ${c.id} ${c.orderKind}: ${c.first}:${c.firstAction} ${c.then}:${c.thenAction}`;
  }
}

/** The CIB as a crm shell script. */
export function renderCrm(c: Cluster, m: CibModel): string {
  const lines = [
    `property cib-bootstrap-options: \\\n    ${m.properties.map(([k, v]) => `${k}=${v}`).join(" \\\n    ")}`,
    `rsc_defaults rsc-options: \\\n    ${m.rscDefaults.map(([k, v]) => `${k}=${v}`).join(" \\\n    ")}`,
    `op_defaults op-options: \\\n    ${m.opDefaults.map(([k, v]) => `${k}=${v}`).join(" \\\n    ")}`,
    ...m.stonith.map(crmPrimitive),
    ...m.clones.flatMap((cl) => [
      crmPrimitive(cl.primitive),
      `clone ${cl.id} ${cl.primitive.id} \\\n    meta ${pairs(cl.meta)}`,
    ]),
    ...m.groups.flatMap((g) => [
      ...g.members.map(crmPrimitive),
      `group ${g.id} ${g.members.map((p) => p.id).join(" ")} \\\n    meta ${pairs(g.meta)}`,
    ]),
    ...m.constraints.map(crmConstraint),
  ];
  return renderTemplate(crmTpl, { marker: marker("#"), cluster: c.cluster, lines });
}

const nv = (ps: readonly (readonly [string, string])[]) =>
  ps.map(([name, value]) => ({ name: xmlEscape(name), value: xmlEscape(value) }));

function xmlPrimitive(p: Primitive) {
  return {
    id: p.id,
    klass: p.klass,
    provider: p.provider ?? "",
    type: p.type,
    params: nv(p.params),
    meta: nv(p.meta),
    ops: p.ops.map((o) => ({
      ...o,
      role: o.role ?? "",
      opId: `${p.id}-${o.name}-${o.interval}${o.role ? `-${o.role}` : ""}`,
    })),
  };
}

function xmlConstraint(c: Constraint): string {
  switch (c.kind) {
    case "location":
      return `<rsc_location id="${c.id}" rsc="${c.rsc}" node="${c.node}" score="${c.score}"${c.discovery ? ` resource-discovery="${c.discovery}"` : ""}/>`;
    case "colocation":
      return `<rsc_colocation id="${c.id}" score="${c.score}" rsc="${c.rsc}" with-rsc="${c.withRsc}"${c.withRole ? ` with-rsc-role="${c.withRole}"` : ""}/>`;
    case "order":
      return `<rsc_order id="${c.id}" kind="${c.orderKind}" first="${c.first}" first-action="${c.firstAction}" then="${c.then}" then-action="${c.thenAction}"/>`;
  }
}

/** The CIB as XML (a whole `<cib>` document for `cibadmin --replace` or `crm_verify --xml-file`). */
export function renderCibXml(c: Cluster, m: CibModel): string {
  const resources = [
    ...m.stonith.map((p) => ({ primitive: xmlPrimitive(p), clone: false, group: false })),
    ...m.clones.map((cl) => ({
      clone: { id: cl.id, meta: nv(cl.meta), primitive: xmlPrimitive(cl.primitive) },
      group: false,
      primitive: false,
    })),
    ...m.groups.map((g) => ({
      group: { id: g.id, meta: nv(g.meta), members: g.members.map(xmlPrimitive) },
      clone: false,
      primitive: false,
    })),
  ];
  return renderTemplate(
    xmlTpl,
    {
      marker: marker("xml"),
      properties: nv(m.properties),
      rscDefaults: nv(m.rscDefaults),
      opDefaults: nv(m.opDefaults),
      resources,
      constraints: m.constraints.map(xmlConstraint),
    },
    { primitive: primitiveTpl },
  );
}
