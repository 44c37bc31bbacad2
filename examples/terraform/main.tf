# A collaboration, the creator's membership, a Glue table and a configured
# table on it, against cleanroomsd (`make run`): terraform init && terraform
# apply, then `terraform plan` shows no changes and `terraform destroy`
# removes everything. Verified with Terraform 1.13.3 and the AWS provider
# (see docs/behavior-decisions.md, "Terraform").
#
# analytics_engine is set because AWS answers SPARK when it is omitted and
# this provider's attribute is not Computed, so leaving it out shows a
# diff on every plan, against AWS as here.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "endpoint" { default = "http://127.0.0.1:7217" }

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "111122223333"
  secret_key                  = "any"
  skip_credentials_validation = true
  skip_requesting_account_id  = false
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {
    cleanrooms = var.endpoint
    glue       = var.endpoint
    s3         = var.endpoint
    sts        = var.endpoint
  }
}

resource "aws_cleanrooms_collaboration" "c" {
  name                     = "tf-collab"
  description              = "made by terraform"
  creator_member_abilities = ["CAN_QUERY", "CAN_RECEIVE_RESULTS"]
  creator_display_name     = "creator"
  query_log_status         = "DISABLED"
  analytics_engine         = "SPARK"
  member {
    account_id       = "444455556666"
    display_name     = "other"
    member_abilities = []
  }
  tags = { Project = "tf" }
}

resource "aws_cleanrooms_membership" "m" {
  collaboration_id = aws_cleanrooms_collaboration.c.id
  query_log_status = "DISABLED"
  default_result_configuration {
    output_configuration {
      s3 {
        bucket        = "results-bucket"
        result_format = "CSV"
        key_prefix    = "out"
      }
    }
  }
  tags = { Project = "tf" }
}

resource "aws_glue_catalog_database" "db" {
  name = "tfdb"
}

resource "aws_glue_catalog_table" "t" {
  name          = "users"
  database_name = aws_glue_catalog_database.db.name
  table_type    = "EXTERNAL_TABLE"
  parameters    = { classification = "csv" }
  storage_descriptor {
    location      = "s3://tf-data-bucket/users/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
      parameters            = { "field.delim" = "," }
    }
    columns {
      name = "my_column_1"
      type = "string"
    }
    columns {
      name = "my_column_2"
      type = "string"
    }
  }
}

resource "aws_cleanrooms_configured_table" "ct" {
  name            = "tf-table"
  description     = "configured by terraform"
  analysis_method = "DIRECT_QUERY"
  allowed_columns = ["my_column_1", "my_column_2"]
  table_reference {
    database_name = aws_glue_catalog_database.db.name
    table_name    = aws_glue_catalog_table.t.name
  }
  tags = { Project = "tf" }
}
