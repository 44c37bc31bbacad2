package api

//go:generate go run ../codegen/cmd/apigen -model ../../model/cleanrooms-2022-02-17.json -overlay ../../model/overlay.json -out .
