package cleanroomstest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	crtypes "github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/cleanroomsd/cleanroomsd/cleanroomstest"
)

// The whole data path in-process: upload a CSV file to the embedded S3,
// describe it in the embedded Glue catalog, configure it as a table with a
// list rule. Another account cannot read the bucket.
func ExampleServer_S3Client() {
	srv, err := cleanroomstest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	const owner, other = "111122223333", "444455556666"
	data, catalog, rooms := srv.S3Client(owner), srv.GlueClient(owner), srv.Client(owner)

	if _, err := data.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-data")}); err != nil {
		log.Fatal(err)
	}
	if _, err := data.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("acme-data"), Key: aws.String("users/part-0.csv"),
		Body: strings.NewReader("u1,Paris\nu2,Lyon\n"),
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := catalog.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("acme")}}); err != nil {
		log.Fatal(err)
	}
	if _, err := catalog.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: &gluetypes.TableInput{
		Name: aws.String("users"), TableType: aws.String("EXTERNAL_TABLE"),
		StorageDescriptor: &gluetypes.StorageDescriptor{
			Columns:      []gluetypes.Column{{Name: aws.String("user_id"), Type: aws.String("string")}, {Name: aws.String("city"), Type: aws.String("string")}},
			Location:     aws.String("s3://acme-data/users/"),
			InputFormat:  aws.String("org.apache.hadoop.mapred.TextInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
			SerdeInfo: &gluetypes.SerDeInfo{
				SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters:           map[string]string{"field.delim": ","},
			},
		},
	}}); err != nil {
		log.Fatal(err)
	}
	ct, err := rooms.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String("users"), AllowedColumns: []string{"user_id", "city"}, AnalysisMethod: crtypes.AnalysisMethodDirectQuery,
		TableReference: &crtypes.TableReferenceMemberGlue{Value: crtypes.GlueTableReference{DatabaseName: aws.String("acme"), TableName: aws.String("users")}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := rooms.CreateConfiguredTableAnalysisRule(ctx, &cleanrooms.CreateConfiguredTableAnalysisRuleInput{
		ConfiguredTableIdentifier: ct.ConfiguredTable.Id, AnalysisRuleType: crtypes.ConfiguredTableAnalysisRuleTypeList,
		AnalysisRulePolicy: &crtypes.ConfiguredTableAnalysisRulePolicyMemberV1{Value: &crtypes.ConfiguredTableAnalysisRulePolicyV1MemberList{
			Value: crtypes.AnalysisRuleList{JoinColumns: []string{"user_id"}, ListColumns: []string{"city"}}}},
	}); err != nil {
		log.Fatal(err)
	}
	got, err := rooms.GetConfiguredTable(ctx, &cleanrooms.GetConfiguredTableInput{ConfiguredTableIdentifier: ct.ConfiguredTable.Id})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("configured table:", *got.ConfiguredTable.Name, got.ConfiguredTable.AllowedColumns, got.ConfiguredTable.AnalysisRuleTypes)

	// A column the Glue table does not have is refused, naming it.
	_, err = rooms.CreateConfiguredTable(ctx, &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String("bad"), AllowedColumns: []string{"email"}, AnalysisMethod: crtypes.AnalysisMethodDirectQuery,
		TableReference: &crtypes.TableReferenceMemberGlue{Value: crtypes.GlueTableReference{DatabaseName: aws.String("acme"), TableName: aws.String("users")}},
	})
	var invalid *crtypes.ValidationException
	fmt.Println(errors.As(err, &invalid), *invalid.Message)

	// The other account sees neither the bucket nor the Glue table.
	_, err = srv.S3Client(other).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part-0.csv")})
	var apiErr smithy.APIError
	errors.As(err, &apiErr)
	fmt.Println("other account, S3:", apiErr.ErrorCode())
	_, err = srv.GlueClient(other).GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")})
	var notFound *gluetypes.EntityNotFoundException
	fmt.Println("other account, Glue:", errors.As(err, &notFound))
	// Output:
	// configured table: users [user_id city] [LIST]
	// true Column "email" does not exist in Glue table acme.users.
	// other account, S3: AccessDenied
	// other account, Glue: true
}

// Tests that never create Glue tables can accept any reference.
func ExampleWithLenientCatalog() {
	srv, err := cleanroomstest.Start(cleanroomstest.WithLenientCatalog())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ct, err := srv.Client("111122223333").CreateConfiguredTable(context.Background(), &cleanrooms.CreateConfiguredTableInput{
		Name: aws.String("users"), AllowedColumns: []string{"anything"}, AnalysisMethod: crtypes.AnalysisMethodDirectQuery,
		TableReference: &crtypes.TableReferenceMemberGlue{Value: crtypes.GlueTableReference{DatabaseName: aws.String("nowhere"), TableName: aws.String("users")}},
	})
	fmt.Println(err == nil, *ct.ConfiguredTable.Name)
	// Output:
	// true users
}
