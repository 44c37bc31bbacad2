package glueapi

//go:generate go run ../../codegen/cmd/apigen -model ../../../model/glue/glue-2017-03-31.json -overlay ../../../model/glue/overlay.json -out .
