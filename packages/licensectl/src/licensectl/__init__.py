"""licensectl: the operator CLI over the CertifyClouds license server admin API."""
