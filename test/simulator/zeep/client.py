"""Uses the embedded Upsales service with Python's zeep, a SOAP client that
only knows the WSDL: proves the WSDLs and XSDs serve standard clients, not
only node-soap. Prints one JSON line of findings for the vitest test."""
import json
import sys

from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

base = sys.argv[1]
settings = Settings(strict=True)
admin = UsernameToken('admin@demo.test', 'demo-admin', use_digest=True)
out = {}

clients = Client(f'{base}/ClientService?wsdl', wsse=admin, settings=settings)
page = clients.service.getByCriteria(
    criteria=[{'field': 'name', 'operator': 'contains', 'values': ['ab']}],
    sort=[{'field': 'name', 'descending': False}], limit=5, offset=0)
out['total'] = page.total
out['names'] = [item.name for item in page['items']]
out['firstIdIsInt'] = isinstance(page['items'][0].id, int)

one = clients.service.get(id=page['items'][0].id)
out['getName'] = one.name

created = clients.service.create(items=[{'name': 'Zeep & <Söner> AB ]]> 北京'}, {'name': None}])
out['createSuccess'] = [r.success for r in created]
out['createdName'] = created[0].item.name
out['secondErrorCode'] = created[1].error.code

stages = Client(f'{base}/MetadataService?wsdl', wsse=admin, settings=settings).service.getOrderStages()
out['stages'] = len(stages)

try:
    Client(f'{base}/ClientService?wsdl', wsse=UsernameToken('admin@demo.test', 'wrong', use_digest=True),
           settings=settings).service.get(id=1)
except Fault as fault:
    out['faultCode'] = fault.detail.find('.//{*}code').text

print(json.dumps(out, ensure_ascii=False))
