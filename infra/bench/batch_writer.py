"""The baseline of the import benchmark: the usual Python loader. Reads the
same Big5 learner-hour CSV and writes one item per row with boto3's
batch_writer into the same DynamoDB Local table, without any validation.
Prints rows and seconds as JSON."""
import csv
import hashlib
import json
import sys
import time

import boto3


def main(endpoint, table_name, path):
    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="ap-northeast-1",
                           aws_access_key_id="local", aws_secret_access_key="local").Table(table_name)
    start = time.time()
    rows = 0
    with open(path, encoding="big5", newline="") as f, table.batch_writer() as batch:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            nid, name, inst, course, s, e, cat, total = r[:8]
            key = hashlib.sha256("\x1f".join([nid, inst, course, s, e, cat]).encode()).hexdigest()[:24]
            batch.put_item(Item={
                "pk": "BASE#" + nid, "sk": "REC#2026#B#" + key, "gsi1pk": "AGENCY#baseline#2026",
                "gsi1sk": cat + "#" + nid + "#" + key, "courseName": course, "institution": inst,
                "start": s, "end": e, "category": cat, "hours": int(total), "status": "final",
            })
            rows += 1
    print(json.dumps({"rows": rows, "seconds": time.time() - start}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
