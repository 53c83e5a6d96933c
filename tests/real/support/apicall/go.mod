module satoken.test/apicall

go 1.22
