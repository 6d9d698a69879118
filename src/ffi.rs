//! The C ABI (see include/domainsig.h). Filled in by the ABI work.
