# Used once to write the Directory policies of template.yaml (python3 infra/template/leadingkeys.py template.yaml);
# kept for a new function or prefix: add it to W (or APPEND) and run it again. TestProductionLeastPrivilege checks the result.
# Rewrite each function's Directory table policy into explicit statements:
# reads by key and index (no Scan), writes only on the pk prefixes it uses.
import re, sys
p = sys.argv[1] if len(sys.argv) > 1 else 'template.yaml'
s = open(p).read()
W = {
 'IdentityFunction': ['SESSION#*', 'STATS#*', 'USER#*', 'USERNAME#*', 'PLATFORMCLIENTS', 'PLATFORMRATE#*'],
 'ReportsFunction': ['GENDERSURVEY#*', 'RELEVANT#*', 'ROLLUP#*'],
 'HomeFunction': ['ANNOUNCE', 'SETTING'],
 'CourseFunction': [],
 'EnrollmentFunction': [],
 'ExportsFunction': ['EXPORT#*'],
 'ExportWorkerFunction': ['EXPORT#*'],
 'ImportFunction': ['ROSTERJOB#*', 'IMPORT#*', 'IMPORTSTAGING', 'IMPORTQ', 'PLATREC#*'],
 'ImportApplyFunction': ['IMPORT#*', 'IMPORTQ', 'PLATREC#*'],
 'ImportsFunction': ['IMPORT#*', 'IMPORTSTAGING', 'IMPORTQ', 'PLATFORMRATE#*', 'IMPORTTASK#*'],
 'ImportWorkerFunction': ['IMPORTTASK#*'],
 'NightlyFunction': ['AGENCY#*', 'ROSTERJOB#*', 'USER#*', 'STATS#*', 'IMPORT#*', 'IMPORTSTAGING'],
 'RosterTransferFunction': [],
 'RollupFunction': ['ROLLUP#*'],
}
APPEND = {'EnrollmentFunction': ['AUDIT#*'], 'IdentityFunction': ['AUDIT#*']}  # P16's audit entries: PutItem only, never update or delete
blockre = re.compile(r'        - DynamoDB(Crud|Read)Policy:[^\n]*\n            TableName: !Ref DirectoryTable\n|        - Statement: # Directory \(least privilege[^\n]*\n(?:            [^\n]*\n|              [^\n]*\n)*')
def block(fn):
    out = ['        - Statement: # Directory (least privilege, TestProductionLeastPrivilege): reads by key and index, no Scan',
           '            - Effect: Allow',
           '              Action: [dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Query, dynamodb:DescribeTable]',
           '              Resource: [!GetAtt DirectoryTable.Arn, !Sub "${DirectoryTable.Arn}/index/*"]']
    if W[fn]:
        out += ['            - Effect: Allow # writes only under its own partition-key prefixes',
                '              Action: [dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:BatchWriteItem, dynamodb:ConditionCheckItem]',
                '              Resource: !GetAtt DirectoryTable.Arn',
                '              Condition:',
                '                ForAllValues:StringLike:',
                '                  dynamodb:LeadingKeys: [%s]' % ', '.join('"%s"' % k for k in W[fn])]
    if APPEND.get(fn):
        out += ['            - Effect: Allow # appends only: no update or delete of these',
                '              Action: dynamodb:PutItem',
                '              Resource: !GetAtt DirectoryTable.Arn',
                '              Condition:',
                '                ForAllValues:StringLike:',
                '                  dynamodb:LeadingKeys: [%s]' % ', '.join('"%s"' % k for k in APPEND[fn])]
    return '\n'.join(out) + '\n'
for fn in W:
    m = re.search(r'\n  %s:\n    Type: AWS::Serverless::Function\n' % fn, s)
    if not m:
        print('no function', fn); continue
    start = m.end()
    nxt = re.search(r'\n  [A-Za-z]+:\n    Type:', s[start:])
    end = start + (nxt.start() if nxt else len(s) - start)
    body = s[start:end]
    b = blockre.search(body)
    if not b:
        print('no Directory policy in', fn); continue
    body = body[:b.start()] + block(fn) + body[b.end():]
    s = s[:start] + body + s[end:]
open(p, 'w').write(s)
