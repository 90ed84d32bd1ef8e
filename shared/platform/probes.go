package platform

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type tableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

type bucketHeader interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// TableProbe checks that a DynamoDB table answers.
func TableProbe(client tableDescriber, label, table string) Probe {
	return Probe{Name: "DynamoDB " + label, Check: func(ctx context.Context) error {
		_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", table, err)
		}
		return nil
	}}
}

// BucketProbe checks that an S3 bucket answers.
func BucketProbe(client bucketHeader, label, bucket string) Probe {
	return Probe{Name: "S3 " + label, Check: func(ctx context.Context) error {
		_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		if err != nil {
			return fmt.Errorf("head bucket %s: %w", bucket, err)
		}
		return nil
	}}
}
