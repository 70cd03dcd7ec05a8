/** @oar-ha/drbd-config: DRBD resource files (8.4 and 9 syntax) for the OAR database's storage. Pure. */
export { renderDrbdFiles, backingDevice, loopDevice, resourcePath } from "./resource.js";
