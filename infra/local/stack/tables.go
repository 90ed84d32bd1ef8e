package stack

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// createTable creates one table of the template in DynamoDB Local, exactly as
// declared (keys, GSIs, projections), unless it exists.
func createTable(ctx context.Context, client *dynamodb.Client, name string, props *yaml.Node) error {
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
	for _, a := range seq(get(props, "AttributeDefinitions")) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(scalar(get(a, "AttributeName"))),
			AttributeType: types.ScalarAttributeType(scalar(get(a, "AttributeType")))})
	}
	in.KeySchema = keySchema(get(props, "KeySchema"))
	for _, g := range seq(get(props, "GlobalSecondaryIndexes")) {
		p := types.Projection{ProjectionType: types.ProjectionType(scalar(get(g, "Projection", "ProjectionType")))}
		for _, a := range seq(get(g, "Projection", "NonKeyAttributes")) {
			p.NonKeyAttributes = append(p.NonKeyAttributes, a.Value)
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(scalar(get(g, "IndexName"))), KeySchema: keySchema(get(g, "KeySchema")), Projection: &p})
	}
	if view := scalar(get(props, "StreamSpecification", "StreamViewType")); view != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(view)}
	}
	_, err := client.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if errors.As(err, &inUse) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if ttl := scalar(get(props, "TimeToLiveSpecification", "AttributeName")); ttl != "" {
		_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(ttl), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("enable TTL on %s: %w", name, err)
		}
	}
	return nil
}

func keySchema(n *yaml.Node) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for _, k := range seq(n) {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(scalar(get(k, "AttributeName"))),
			KeyType: types.KeyType(scalar(get(k, "KeyType")))})
	}
	return out
}
