select if school < 15.
mixed score with year
 /fixed = year
 /print = solution
 /random = intercept | subject(school)
 /random = intercept | subject(school*child).
