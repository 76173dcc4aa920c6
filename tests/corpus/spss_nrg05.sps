* fit model with unstructured covariance and linear slopes for angle.
MIXED rt WITH angle_lin angle_quad age
   /FIXED = angle_lin angle_quad age angle_lin * age angle_quad * age
   /PRINT = SOLUTION TESTCOV
   /RANDOM = INTERCEPT angle_lin angle_quad | SUBJECT(subj) COVTYPE(UN).
