// Q11 - do slopes vary with treatment?
mixed dbp c.time##i.treat c_pre || id: time, cov(unstructured) reml
// z = 0.18, p = 0.86, no evidence that treatment effect varies over time
