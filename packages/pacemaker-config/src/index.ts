/**
 * @oar-ha/pacemaker-config: corosync.conf, authkey, the CIB (crm script and XML) and the
 * OCF agent of the OAR server, for Corosync 3 + Pacemaker 2. Pure.
 */
export { renderPacemakerFiles, renderCorosyncConf, OCF_AGENT_PATH, CIB_CRM_PATH, CIB_XML_PATH } from "./pacemaker.js";
export {
  cibModel,
  type CibModel,
  type Primitive,
  type Clone,
  type Group,
  type Constraint,
  type Op,
} from "./cib-model.js";
export { renderCrm, renderCibXml } from "./cib-render.js";
export {
  CRM_INFINITY,
  parseCrmMon,
  allStarted,
  runningOn,
  type CrmStatus,
  type CrmNode,
  type CrmResource,
  type CrmFailure,
  type CrmFailCount,
} from "./crm-mon.js";
