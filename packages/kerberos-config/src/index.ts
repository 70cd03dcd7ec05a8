/** @oar-ha/kerberos-config: Kerberos around an oar-ha cluster (keytabs, krb5.conf and ssh pieces for the VIP names). Pure. */
export { parseKeytab, kvnoOf, missingEntries, mergeKeytab, KeytabError, type KeytabEntry } from "./keytab.js";
export {
  KRB,
  keytabTargets,
  principalsFor,
  kerberosServers,
  sshServers,
  renderKerberosFiles,
  vipKnownHostsLine,
  type KeytabTarget,
  type WantedPrincipal,
} from "./kerberos.js";
