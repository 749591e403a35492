/** SSM documents the product runs. The FIPS and verify documents live in `documents/` in the repo. */
export const STIG_DOCUMENT_NAME = "AWSEC2-ConfigureSTIG";
/** Default names of the product's own documents; a deployment passes its names through the environment. */
export const FIPS_DOCUMENT_NAME = "FleetUpgrade-EnableFips";
export const VERIFY_DOCUMENT_NAME = "FleetUpgrade-Verify";
