MIXED guilt BY anchor vignette verdictsyst WITH prior
  /CRITERIA=DFMETHOD(SATTERTHWAITE)
  /FIXED=anchor vignette verdictsyst anchor*vignette anchor*verdictsyst vignette*verdictsyst anchor*vignette*verdictsyst prior | SSTYPE(3) 
  /METHOD=REML 
  /PRINT=SOLUTION 
  /RANDOM=INTERCEPT | SUBJECT(id) COVTYPE(VC).
