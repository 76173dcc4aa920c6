#!/usr/bin/env bash
# Install R with lme4, lmerTest, pbkrtest, mlmRev, nlme, glmmTMB, emmeans and haven (haven writes SAS/Stata/SPSS files
# for the data-file tests) from Debian packages (run as root), and SuiteSparse's headers for the optional CHOLMOD
# backend (mlmgen[sparse]).
set -euo pipefail
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'for (p in c("lme4","lmerTest","pbkrtest","mlmRev","nlme","glmmTMB","emmeans","haven")) stopifnot(requireNamespace(p, quietly=TRUE))' >/dev/null 2>&1 \
   && { [ -f /usr/include/suitesparse/cholmod.h ] || ! command -v apt-get >/dev/null; }; then
  echo "R with lme4, lmerTest, pbkrtest, mlmRev, nlme, glmmTMB, emmeans and haven is already installed"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends r-base-core r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-mlmrev r-cran-nlme r-cran-glmmtmb r-cran-emmeans r-cran-haven \
  libsuitesparse-dev
