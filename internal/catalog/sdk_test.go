package catalog_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func usersInput(name string) *types.TableInput {
	return &types.TableInput{
		Name:        aws.String(name),
		Description: aws.String("users"),
		TableType:   aws.String("EXTERNAL_TABLE"),
		Parameters:  map[string]string{"classification": "csv", "skip.header.line.count": "1"},
		PartitionKeys: []types.Column{
			{Name: aws.String("dt"), Type: aws.String("string")},
		},
		StorageDescriptor: &types.StorageDescriptor{
			Columns: []types.Column{
				{Name: aws.String("id"), Type: aws.String("bigint"), Comment: aws.String("key")},
				{Name: aws.String("Email"), Type: aws.String("string"), Parameters: map[string]string{"pii": "yes"}},
			},
			Location:     aws.String("s3://acme-data/users/"),
			InputFormat:  aws.String("org.apache.hadoop.mapred.TextInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
			Compressed:   false,
			SerdeInfo: &types.SerDeInfo{
				SerializationLibrary: aws.String("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"),
				Parameters:           map[string]string{"field.delim": ","},
			},
			BucketColumns: []string{},
			SortColumns:   []types.Order{},
		},
	}
}

func mustCreateDatabase(t *testing.T, c *glue.Client, name string) {
	t.Helper()
	if _, err := c.CreateDatabase(ctx(t), &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(name)}}); err != nil {
		t.Fatalf("CreateDatabase %s: %v", name, err)
	}
}

func mustCreateTable(t *testing.T, c *glue.Client, db, name string) {
	t.Helper()
	if _, err := c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: usersInput(name)}); err != nil {
		t.Fatalf("CreateTable %s.%s: %v", db, name, err)
	}
}

// wantAPIError checks the error code and message the SDK decoded.
func wantAPIError(t *testing.T, what string, err error, code, msgPart string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msgPart) {
		t.Errorf("%s: got %s %q, want %s containing %q", what, ae.ErrorCode(), ae.ErrorMessage(), code, msgPart)
	}
}

func TestDatabaseLifecycle(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	_, err := c.CreateDatabase(ctx(t), &glue.CreateDatabaseInput{
		CatalogId: aws.String(acctA),
		DatabaseInput: &types.DatabaseInput{
			Name: aws.String("Sales"), Description: aws.String("d"), LocationUri: aws.String("s3://b/sales/"),
			Parameters: map[string]string{"k": "v"},
		},
		Tags: map[string]string{"team": "data"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("SALES")})
	if err != nil {
		t.Fatal(err)
	}
	want := &types.Database{
		Name: aws.String("sales"), Description: aws.String("d"), LocationUri: aws.String("s3://b/sales/"),
		Parameters: map[string]string{"k": "v"}, CatalogId: aws.String(acctA), CreateTime: aws.Time(clock),
		CreateTableDefaultPermissions: []types.PrincipalPermissions{{
			Principal:   &types.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String("IAM_ALLOWED_PRINCIPALS")},
			Permissions: []types.Permission{types.PermissionAll},
		}},
	}
	if d := cmp.Diff(want, got.Database, cmpopts.IgnoreUnexported(types.Database{}, types.PrincipalPermissions{}, types.DataLakePrincipal{})); d != "" {
		t.Errorf("GetDatabase (-want +got):\n%s", d)
	}

	_, err = c.CreateDatabase(ctx(t), &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || ae.ErrorMessage() != "Database already exists." {
		t.Errorf("second CreateDatabase: %v, want AlreadyExistsException", err)
	}

	arn := "arn:aws:glue:" + region + ":" + acctA + ":database/sales"
	tags, err := c.GetTags(ctx(t), &glue.GetTagsInput{ResourceArn: aws.String(arn)})
	if err != nil || !cmp.Equal(tags.Tags, map[string]string{"team": "data"}) {
		t.Errorf("GetTags = %v, %v", tags, err)
	}
	if _, err := c.TagResource(ctx(t), &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx(t), &glue.UntagResourceInput{ResourceArn: aws.String(arn), TagsToRemove: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.GetTags(ctx(t), &glue.GetTagsInput{ResourceArn: aws.String(arn)})
	if !cmp.Equal(tags.Tags, map[string]string{"env": "prod"}) {
		t.Errorf("tags after tag/untag = %v", tags.Tags)
	}

	if _, err := c.UpdateDatabase(ctx(t), &glue.UpdateDatabaseInput{Name: aws.String("sales"),
		DatabaseInput: &types.DatabaseInput{Name: aws.String("sales"), Description: aws.String("new")}}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("sales")})
	if aws.ToString(got.Database.Description) != "new" || got.Database.LocationUri != nil || !aws.ToTime(got.Database.CreateTime).Equal(clock) {
		t.Errorf("after UpdateDatabase: %+v", got.Database)
	}
	_, err = c.UpdateDatabase(ctx(t), &glue.UpdateDatabaseInput{Name: aws.String("nope"), DatabaseInput: &types.DatabaseInput{Name: aws.String("nope")}})
	var enf *types.EntityNotFoundException
	if !errors.As(err, &enf) || enf.ErrorMessage() != "Database nope not found." {
		t.Errorf("UpdateDatabase of a missing database: %v", err)
	}

	if _, err := c.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("sales")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("sales")})
	if !errors.As(err, &enf) || enf.ErrorMessage() != "Database sales not found." {
		t.Errorf("GetDatabase after delete: %v, want EntityNotFoundException", err)
	}
	_, err = c.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("sales")})
	if !errors.As(err, &enf) {
		t.Errorf("second DeleteDatabase: %v, want EntityNotFoundException", err)
	}
	// A new database of the same name has none of the old one's tags.
	mustCreateDatabase(t, c, "sales")
	tags, _ = c.GetTags(ctx(t), &glue.GetTagsInput{ResourceArn: aws.String(arn)})
	if len(tags.Tags) != 0 {
		t.Errorf("recreated database has tags %v", tags.Tags)
	}
}

func TestTableLifecycle(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	_, err := c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: usersInput("users")})
	var enf *types.EntityNotFoundException
	if !errors.As(err, &enf) || enf.ErrorMessage() != "Database acme not found." {
		t.Errorf("CreateTable in a missing database: %v", err)
	}
	mustCreateDatabase(t, c, "acme")
	in := usersInput("Users")
	_, err = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("ACME"), TableInput: in,
		PartitionIndexes: []types.PartitionIndex{{IndexName: aws.String("by_dt"), Keys: []string{"dt"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	want := &types.Table{
		Name: aws.String("users"), DatabaseName: aws.String("acme"), CatalogId: aws.String(acctA),
		Description: in.Description, TableType: in.TableType, Parameters: in.Parameters,
		PartitionKeys: in.PartitionKeys, StorageDescriptor: in.StorageDescriptor,
		CreateTime: aws.Time(clock), UpdateTime: aws.Time(clock), Retention: 0,
		CreatedBy: aws.String("arn:aws:iam::" + acctA + ":root"), IsRegisteredWithLakeFormation: false,
		IsMultiDialectView: aws.Bool(false), VersionId: aws.String("0"),
	}
	opts := cmpopts.IgnoreUnexported(types.Table{}, types.StorageDescriptor{}, types.Column{}, types.SerDeInfo{})
	if d := cmp.Diff(want, got.Table, opts); d != "" {
		t.Errorf("GetTable (-want +got):\n%s", d)
	}

	_, err = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("acme"), TableInput: usersInput("users")})
	var ae *types.AlreadyExistsException
	if !errors.As(err, &ae) || ae.ErrorMessage() != "Table already exists." {
		t.Errorf("second CreateTable: %v", err)
	}
	_, err = c.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("acme"), Name: aws.String("nope")})
	if !errors.As(err, &enf) || enf.ErrorMessage() != "Table nope not found." {
		t.Errorf("GetTable of a missing table: %v", err)
	}

	pi, err := c.GetPartitionIndexes(ctx(t), &glue.GetPartitionIndexesInput{DatabaseName: aws.String("acme"), TableName: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	if len(pi.PartitionIndexDescriptorList) != 1 || aws.ToString(pi.PartitionIndexDescriptorList[0].IndexName) != "by_dt" ||
		pi.PartitionIndexDescriptorList[0].IndexStatus != types.PartitionIndexStatusActive ||
		aws.ToString(pi.PartitionIndexDescriptorList[0].Keys[0].Type) != "string" {
		t.Errorf("GetPartitionIndexes = %+v", pi.PartitionIndexDescriptorList)
	}

	up := usersInput("users")
	up.Description = aws.String("v2")
	if _, err := c.UpdateTable(ctx(t), &glue.UpdateTableInput{DatabaseName: aws.String("acme"), TableInput: up}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")})
	if aws.ToString(got.Table.Description) != "v2" || aws.ToString(got.Table.VersionId) != "1" {
		t.Errorf("after UpdateTable: description %q version %q", aws.ToString(got.Table.Description), aws.ToString(got.Table.VersionId))
	}
	_, err = c.UpdateTable(ctx(t), &glue.UpdateTableInput{DatabaseName: aws.String("acme"), TableInput: up, VersionId: aws.String("0")})
	var cme *types.ConcurrentModificationException
	if !errors.As(err, &cme) {
		t.Errorf("UpdateTable with a stale VersionId: %v, want ConcurrentModificationException", err)
	}

	mustCreateTable(t, c, "acme", "t2")
	bd, err := c.BatchDeleteTable(ctx(t), &glue.BatchDeleteTableInput{DatabaseName: aws.String("acme"), TablesToDelete: []string{"t2", "ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(bd.Errors) != 1 || aws.ToString(bd.Errors[0].TableName) != "ghost" ||
		aws.ToString(bd.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" {
		t.Errorf("BatchDeleteTable errors = %+v", bd.Errors)
	}
	if _, err := c.DeleteTable(ctx(t), &glue.DeleteTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteTable(ctx(t), &glue.DeleteTableInput{DatabaseName: aws.String("acme"), Name: aws.String("users")})
	if !errors.As(err, &enf) {
		t.Errorf("second DeleteTable: %v", err)
	}
	list, err := c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("acme")})
	if err != nil || len(list.TableList) != 0 {
		t.Errorf("GetTables after deleting every table: %v, %v", list, err)
	}
}

func TestDeleteDatabaseDeletesTables(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	mustCreateDatabase(t, c, "db")
	mustCreateTable(t, c, "db", "a")
	mustCreateTable(t, c, "db", "b")
	if _, err := c.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("db")}); err != nil {
		t.Fatal(err)
	}
	mustCreateDatabase(t, c, "db")
	list, err := c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db")})
	if err != nil || len(list.TableList) != 0 {
		t.Errorf("tables of a recreated database: %v, %v", list, err)
	}
	if _, err := e.svc.LookupTable(ctx(t), acctA, region, "db", "a"); err == nil {
		t.Error("LookupTable finds a table of a deleted database")
	}
}

func TestCrossAccountIsolation(t *testing.T) {
	e := newEnv(t, "")
	a, b := e.client(acctA), e.client(acctB)
	mustCreateDatabase(t, a, "shared_name")
	mustCreateTable(t, a, "shared_name", "users")

	var enf *types.EntityNotFoundException
	if _, err := b.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("shared_name")}); !errors.As(err, &enf) {
		t.Errorf("B GetDatabase of A's database: %v, want EntityNotFoundException", err)
	}
	if _, err := b.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("shared_name"), Name: aws.String("users")}); !errors.As(err, &enf) {
		t.Errorf("B GetTable of A's table: %v, want EntityNotFoundException", err)
	}
	dbs, err := b.GetDatabases(ctx(t), &glue.GetDatabasesInput{})
	if err != nil || len(dbs.DatabaseList) != 0 {
		t.Errorf("B lists %v (%v), want nothing", dbs, err)
	}
	// B has a namespace of its own: the same name is free.
	mustCreateDatabase(t, b, "shared_name")
	if _, err := b.DeleteDatabase(ctx(t), &glue.DeleteDatabaseInput{Name: aws.String("shared_name")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("shared_name"), Name: aws.String("users")}); err != nil {
		t.Errorf("A's table after B deleted its own database of that name: %v", err)
	}
	// Naming A's catalog is refused.
	_, err = b.GetDatabase(ctx(t), &glue.GetDatabaseInput{CatalogId: aws.String(acctA), Name: aws.String("shared_name")})
	var ade *types.AccessDeniedException
	if !errors.As(err, &ade) {
		t.Errorf("B GetDatabase with A's CatalogId: %v, want AccessDeniedException", err)
	}
	_, err = b.GetTags(ctx(t), &glue.GetTagsInput{ResourceArn: aws.String("arn:aws:glue:" + region + ":" + acctA + ":database/shared_name")})
	if !errors.As(err, &enf) {
		t.Errorf("B GetTags of A's database: %v, want EntityNotFoundException", err)
	}
	_, err = b.DeleteTable(ctx(t), &glue.DeleteTableInput{DatabaseName: aws.String("shared_name"), Name: aws.String("users")})
	if !errors.As(err, &enf) {
		t.Errorf("B DeleteTable of A's table: %v", err)
	}
	// Another region is another catalog.
	other := glue.New(a.Options(), func(o *glue.Options) { o.Region = "eu-west-1" })
	if _, err := other.GetDatabase(ctx(t), &glue.GetDatabaseInput{Name: aws.String("shared_name")}); !errors.As(err, &enf) {
		t.Errorf("A in eu-west-1 sees its us-east-1 database: %v", err)
	}
}

func TestGetTablesPaginationAndExpression(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	mustCreateDatabase(t, c, "db")
	var names []string
	for i := range 25 {
		n := fmt.Sprintf("t%02d", i)
		if i%3 == 0 {
			n = fmt.Sprintf("users_%02d", i)
		}
		names = append(names, n)
		mustCreateTable(t, c, "db", n)
	}
	walk := func(expr *string, max int32) []string {
		t.Helper()
		var got []string
		p := glue.NewGetTablesPaginator(c, &glue.GetTablesInput{DatabaseName: aws.String("db"), Expression: expr, MaxResults: aws.Int32(max)})
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(out.TableList) > int(max) {
				t.Errorf("page of %d, MaxResults %d", len(out.TableList), max)
			}
			for _, tb := range out.TableList {
				got = append(got, *tb.Name)
			}
			if pages++; pages > 50 {
				t.Fatal("pagination does not end")
			}
		}
		return got
	}
	var all, users []string
	for _, n := range names {
		all = append(all, n)
		if strings.HasPrefix(n, "users_") {
			users = append(users, n)
		}
	}
	sortStrings(all)
	sortStrings(users)
	if d := cmp.Diff(all, walk(nil, 7)); d != "" {
		t.Errorf("all tables in pages of 7 (-want +got):\n%s", d)
	}
	if d := cmp.Diff(users, walk(aws.String("USERS_*"), 2)); d != "" {
		t.Errorf("Expression users_* in pages of 2 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"t01", "users_09"}, walk(aws.String("t01|users_09"), 1)); d != "" {
		t.Errorf("Expression with alternatives (-want +got):\n%s", d)
	}

	// AttributesToGet trims the answer.
	names2, err := c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db"), MaxResults: aws.Int32(1),
		AttributesToGet: []types.TableAttributes{types.TableAttributesName}})
	if err != nil || len(names2.TableList) != 1 || names2.TableList[0].StorageDescriptor != nil || names2.TableList[0].Name == nil {
		t.Errorf("GetTables with AttributesToGet NAME: %+v, %v", names2, err)
	}

	// A token is bound to its list.
	first, err := c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db"), MaxResults: aws.Int32(2)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v %v", first, err)
	}
	for _, bad := range []*glue.GetTablesInput{
		{DatabaseName: aws.String("db"), NextToken: aws.String("garbage")},
		{DatabaseName: aws.String("db"), NextToken: first.NextToken, Expression: aws.String("t*")},
	} {
		_, err := c.GetTables(ctx(t), bad)
		var iie *types.InvalidInputException
		if !errors.As(err, &iie) {
			t.Errorf("GetTables with a foreign token: %v, want InvalidInputException", err)
		}
	}
	if _, err := e.client(acctB).GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db"), NextToken: first.NextToken}); err == nil {
		t.Error("another account resumed A's token")
	}

	// GetDatabases pages too.
	for i := range 5 {
		mustCreateDatabase(t, c, fmt.Sprintf("more%d", i))
	}
	var dbs []string
	p := glue.NewGetDatabasesPaginator(c, &glue.GetDatabasesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.DatabaseList {
			dbs = append(dbs, *d.Name)
		}
	}
	if d := cmp.Diff([]string{"db", "more0", "more1", "more2", "more3", "more4"}, dbs); d != "" {
		t.Errorf("GetDatabases (-want +got):\n%s", d)
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestValidationNamesTheField(t *testing.T) {
	e := newEnv(t, "")
	c := e.client(acctA)
	_, err := c.CreateDatabase(ctx(t), &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(strings.Repeat("x", 256))}})
	wantAPIError(t, "256-character database name", err, "ValidationException",
		"at 'databaseInput.name' failed to satisfy constraint: Member must have length less than or equal to 255")
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("the SDK does not decode %v as *types.ValidationException", err)
	}

	mustCreateDatabase(t, c, "db")
	in := usersInput("t")
	in.StorageDescriptor.Columns[1].Comment = aws.String(strings.Repeat("c", 256))
	_, err = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: in})
	wantAPIError(t, "long column comment", err, "ValidationException", "'tableInput.storageDescriptor.columns.2.member.comment'")

	_, err = c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db"), MaxResults: aws.Int32(0)})
	wantAPIError(t, "MaxResults 0", err, "ValidationException", "'maxResults'")

	_, err = c.GetTables(ctx(t), &glue.GetTablesInput{DatabaseName: aws.String("db"), Expression: aws.String("(")})
	wantAPIError(t, "bad expression", err, "InvalidInputException", "Expression")

	_, err = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("db")})
	wantAPIError(t, "CreateTable without TableInput", err, "InvalidInputException", "TableInput")

	_, err = c.UpdateDatabase(ctx(t), &glue.UpdateDatabaseInput{Name: aws.String("db"), DatabaseInput: &types.DatabaseInput{Name: aws.String("other")}})
	wantAPIError(t, "rename", err, "InvalidInputException", "does not match")

	_, err = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: usersInput("p"),
		PartitionIndexes: []types.PartitionIndex{{IndexName: aws.String("i"), Keys: []string{"id"}}}})
	wantAPIError(t, "index on a non-partition column", err, "InvalidInputException", "not a partition key")
	if _, err := c.GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("p")}); err == nil {
		t.Error("a rejected CreateTable left a table")
	}
}

// Concurrent CreateTable of one name: exactly one wins, the others get
// AlreadyExistsException.
func TestConcurrentCreateTable(t *testing.T) {
	e := newEnv(t, tempDB(t))
	c := e.client(acctA)
	mustCreateDatabase(t, c, "db")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.CreateTable(ctx(t), &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: usersInput("same")})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		var ae *types.AlreadyExistsException
		switch {
		case err == nil:
			won++
		case !errors.As(err, &ae):
			t.Errorf("losing CreateTable: %v, want AlreadyExistsException", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent CreateTable calls won, want 1", won, n)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := tempDB(t)
	e := newEnv(t, path)
	c := e.client(acctA)
	mustCreateDatabase(t, c, "db")
	mustCreateTable(t, c, "db", "users")
	e.srv.Close()
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, path)
	got, err := e2.client(acctA).GetTable(ctx(t), &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Table.StorageDescriptor.SerdeInfo.Parameters["field.delim"] != "," {
		t.Errorf("reopened table lost its SerDe parameters: %+v", got.Table.StorageDescriptor.SerdeInfo)
	}
	if !aws.ToTime(got.Table.CreateTime).Equal(clock) {
		t.Errorf("CreateTime after reopen = %v, want %v", aws.ToTime(got.Table.CreateTime), clock)
	}
}
