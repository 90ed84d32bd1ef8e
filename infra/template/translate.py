"""Converts template.yaml to the CloudFormation that `sam deploy` creates,
with aws-sam-translator (the library SAM CLI and cfn-lint use), and prints it
as JSON. The Go test infra/local/stack/production_test.go asserts properties
of the result. Usage: python3 infra/template/translate.py template.yaml"""
import json
import os
import sys

# The translator asks boto for the region; no AWS account is consulted.
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-northeast-1")

from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse


def main(path):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    # What `sam package` does: each function's code becomes an S3 object.
    for logical_id, res in template.get("Resources", {}).items():
        props = res.get("Properties", {})
        if res.get("Type") == "AWS::Serverless::Function" and not str(props.get("CodeUri", "")).startswith("s3://"):
            props["CodeUri"] = f"s3://artifacts/{logical_id}.zip"
    pseudo = {"AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
              "AWS::StackName": "lifelong-prod", "AWS::URLSuffix": "amazonaws.com"}
    out = Translator(managed_policy_map={}, sam_parser=Parser()).translate(sam_template=template, parameter_values=pseudo)
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
